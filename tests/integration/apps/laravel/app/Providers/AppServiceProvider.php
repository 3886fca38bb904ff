<?php

namespace App\Providers;

use App\Support\Audit;
use App\Support\Tenant;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    public function register()
    {
        $this->app->singleton(Tenant::class);
    }

    public function boot()
    {
        // keel's worker mode: state of the application's own that a
        // request must not inherit is reset when a request arrives. (The
        // event class need not exist under PHP-FPM: nothing dispatches it.)
        Event::listen('Keel\Laravel\Events\RequestReceived', function () {
            Audit::$entries = [];
        });
    }
}
