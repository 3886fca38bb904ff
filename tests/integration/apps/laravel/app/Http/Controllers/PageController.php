<?php

namespace App\Http\Controllers;

use App\Support\Audit;
use App\Support\Tenant;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;
use RuntimeException;

class PageController extends Controller
{
    public function home()
    {
        return response('home of ' . config('app.name') . ' from ' . getmypid() . "\n")
            ->header('Content-Type', 'text/plain');
    }

    // The benchmark's page: a Blade view with 20 rows from the database.
    public function rows()
    {
        return view('rows', ['items' => DB::table('items')->orderBy('id')->limit(20)->get()]);
    }

    // The benchmark's JSON route (api group: no session, no cookies).
    public function rowsJson()
    {
        return response()->json(['items' => DB::table('items')->orderBy('id')->limit(20)->get()]);
    }

    // The session store as a route without the session middleware finds
    // it: nothing started, no data, no CSRF token.
    public function sessionState()
    {
        $store = session()->driver();
        return response()->json(['started' => $store->isStarted(), 'token' => $store->token(), 'data' => $store->all()]);
    }

    // What a request may change in the application, for the next one to
    // check: configuration, locale, the tenant, the URL generator.
    public function state(Request $request)
    {
        return response()->json([
            'app_name' => config('app.name'),
            'locale' => app()->getLocale(),
            'translator_locale' => app('translator')->getLocale(),
            'tenant' => app(Tenant::class)->name,
            'url' => url('/somewhere'),
            'has_poison' => $request->session()->has('poison'),
        ]);
    }

    // Changes what it can, then fails: none of it may reach the next request.
    public function boom(Request $request)
    {
        config(['app.name' => 'poisoned']);
        app()->setLocale('fr');
        app(Tenant::class)->name = 'poisoned';
        url()->forceRootUrl('http://poisoned.example');
        $request->session()->put('poison', true);
        throw new RuntimeException('boom from a request');
    }

    public function locale(string $locale)
    {
        app()->setLocale($locale);

        return response()->json(['locale' => app()->getLocale()]);
    }

    // Turns the query log on and runs a query: the log must not grow
    // from one request to the next.
    public function queries()
    {
        $before = count(DB::getQueryLog());
        DB::enableQueryLog();
        DB::table('items')->count();

        return response()->json(['before' => $before, 'after' => count(DB::getQueryLog())]);
    }

    public function urlRoot()
    {
        return response()->json(['url' => url('/x'), 'route' => route('login')]);
    }

    public function audit(Request $request)
    {
        Audit::$entries[] = $request->query('who');

        return response()->json(['entries' => Audit::$entries]);
    }

    public function memory()
    {
        return response()->json(['pid' => getmypid(), 'memory' => memory_get_usage()]);
    }
}
