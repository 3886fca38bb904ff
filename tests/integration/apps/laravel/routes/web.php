<?php

use App\Http\Controllers\AccountController;
use App\Http\Controllers\NoteController;
use App\Http\Controllers\PageController;
use App\Http\Controllers\UploadController;
use Illuminate\Support\Facades\Route;

// Controllers only, so that `route:cache` can cache every route.
Route::get('/', [PageController::class, 'home']);
Route::get('/rows', [PageController::class, 'rows']);
Route::get('/state', [PageController::class, 'state']);
Route::get('/boom', [PageController::class, 'boom']);
Route::get('/locale/{locale}', [PageController::class, 'locale']);
Route::get('/queries', [PageController::class, 'queries']);
Route::get('/url-root', [PageController::class, 'urlRoot']);
Route::get('/memory', [PageController::class, 'memory']);
Route::get('/audit', [PageController::class, 'audit']);

Route::get('/login', [AccountController::class, 'showLogin'])->name('login')->middleware('guest');
Route::post('/login', [AccountController::class, 'login'])->middleware('guest');
Route::post('/logout', [AccountController::class, 'logout']);
Route::get('/whoami', [AccountController::class, 'whoami']);
Route::get('/token', [AccountController::class, 'token']);
Route::get('/private', [AccountController::class, 'whoami'])->middleware('auth');

Route::get('/notes', [NoteController::class, 'index']);
Route::post('/notes', [NoteController::class, 'store']);

Route::post('/upload', [UploadController::class, 'store']);
