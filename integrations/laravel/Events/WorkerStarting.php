<?php

declare(strict_types=1);

namespace Keel\Laravel\Events;

use Illuminate\Foundation\Application;

/** The worker booted the application; no request has reached it yet. */
final class WorkerStarting
{
    public function __construct(public Application $app)
    {
    }
}
