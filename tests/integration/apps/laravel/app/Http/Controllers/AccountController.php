<?php

namespace App\Http\Controllers;

use App\Support\Tenant;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Auth;

class AccountController extends Controller
{
    public function showLogin()
    {
        return view('login');
    }

    public function login(Request $request)
    {
        $credentials = $request->validate([
            'email' => 'required|email',
            'password' => 'required',
        ]);
        if (! Auth::attempt($credentials)) {
            return back()->withErrors(['email' => 'These credentials do not match our records.'])->onlyInput('email');
        }
        $request->session()->regenerate();
        $request->session()->put('note', 'note of ' . Auth::user()->name);

        return redirect()->intended('/whoami');
    }

    public function logout(Request $request)
    {
        Auth::logout();
        $request->session()->invalidate();
        $request->session()->regenerateToken();

        return redirect('/whoami');
    }

    // Who the application thinks is asking, through every path an
    // application takes to it: the guard, the request, the facade, the
    // session and a request-scoped singleton.
    public function whoami(Request $request)
    {
        return response()->json([
            'auth' => auth()->user()->name ?? null,
            'request_user' => $request->user()->email ?? null,
            'facade_check' => Auth::check(),
            'session_note' => session('note'),
            'tenant' => app(Tenant::class)->name,
        ]);
    }

    public function token(Request $request)
    {
        return response()->json(['token' => csrf_token()]);
    }
}
