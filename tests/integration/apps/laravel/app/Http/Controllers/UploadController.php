<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class UploadController extends Controller
{
    public function store(Request $request)
    {
        $request->validate(['doc' => 'required|file|max:2048']);
        $file = $request->file('doc');
        $stored = $file->storeAs('uploads', sha1_file($file->getRealPath()) . '.bin');

        return response()->json([
            'name' => $file->getClientOriginalName(),
            'size' => $file->getSize(),
            'sha1' => sha1_file(storage_path('app/' . $stored)),
            'valid' => $file->isValid(),
            'field' => $request->input('field'),
        ]);
    }
}
