<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class NoteController extends Controller
{
    public function index(Request $request)
    {
        return view('notes', ['notes' => $request->session()->get('notes', [])]);
    }

    public function store(Request $request)
    {
        $data = $request->validate([
            'title' => 'required|min:3|max:40',
            'body' => 'required',
        ]);
        $request->session()->push('notes', $data['title']);

        return redirect('/notes')->with('status', 'Saved ' . $data['title']);
    }
}
