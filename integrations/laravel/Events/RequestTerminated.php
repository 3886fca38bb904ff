<?php

declare(strict_types=1);

namespace Keel\Laravel\Events;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Symfony\Component\HttpFoundation\Response;

/**
 * The response was sent and the kernel terminated; $sandbox is thrown away
 * next. A listener drops what the request left in objects that outlive it.
 */
final class RequestTerminated
{
    public function __construct(
        public Application $app,
        public Application $sandbox,
        public Request $request,
        public Response $response,
    ) {
    }
}
