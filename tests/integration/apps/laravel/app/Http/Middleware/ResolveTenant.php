<?php

namespace App\Http\Middleware;

use App\Support\Tenant;
use Closure;
use Illuminate\Http\Request;

// Names the tenant of the signed-in user, once per request, in the
// request-scoped Tenant singleton (what multi-tenant applications do).
class ResolveTenant
{
    public function handle(Request $request, Closure $next)
    {
        $tenant = app(Tenant::class);
        if ($tenant->name === null && $request->user() !== null) {
            $tenant->name = $request->user()->name . "'s company";
        }

        return $next($request);
    }
}
