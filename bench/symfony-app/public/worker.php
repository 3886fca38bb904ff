<?php
// Worker-mode front controller (keel serve --worker public/worker.php, or
// FrankenPHP): the kernel is built and booted once per worker process, then
// every request goes through the same kernel.
//
// State between requests: Kernel::handle() marks the container for a reset,
// and the next handle() (through boot()) calls the `services_resetter`
// service first, which resets every service tagged kernel.reset (request
// stack, Twig's globals, loggers, cache pools' local state...). That is
// what Symfony 5.4 offers for long-running processes, so nothing else is
// needed here. gc_collect_cycles() between requests frees the cycles the
// request left behind, as the end of a PHP request would.

declare(strict_types=1);

use App\Kernel;
use Symfony\Component\HttpFoundation\Request;

require \dirname(__DIR__) . '/bootstrap.php';

$kernel = new Kernel('prod', false);
$kernel->boot();

$handler = static function () use ($kernel): void {
    $request = Request::createFromGlobals();
    $response = $kernel->handle($request);
    $response->send();
    $kernel->terminate($request, $response);
};

while (keel_handle_request($handler)) {
    gc_collect_cycles();
}
