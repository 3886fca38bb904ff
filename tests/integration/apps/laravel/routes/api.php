<?php

use App\Http\Controllers\PageController;
use Illuminate\Support\Facades\Route;

Route::get('/rows', [PageController::class, 'rowsJson']);
Route::get('/session', [PageController::class, 'sessionState']);
