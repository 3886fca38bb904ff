<?php

declare(strict_types=1);

namespace Keel\Laravel\Events;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/**
 * A request is about to enter the HTTP kernel. $sandbox is the application
 * this request runs in (a clone of the booted $app, already reset by
 * keel); a listener resets what the application keeps on its own.
 */
final class RequestReceived
{
    public function __construct(public Application $app, public Application $sandbox, public Request $request)
    {
    }
}
