<?php

declare(strict_types=1);

namespace Keel\Laravel\Events;

use Illuminate\Foundation\Application;

/** The worker serves no more requests (recycling, reload, shutdown). */
final class WorkerStopping
{
    public function __construct(public Application $app)
    {
    }
}
