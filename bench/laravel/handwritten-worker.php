<?php
// For bench/frameworks.sh only: what keel's Laravel integration costs.
// The loop a user would write by hand, booting Laravel once and calling
// the kernel per request, with none of the integration's resets. It is
// NOT safe: one user's signed-in user, session data and request-scoped
// singletons reach the next (tests/integration/test_laravel.py fails on
// it). Serve Laravel with integrations/laravel/worker.php.

declare(strict_types=1);

use Illuminate\Contracts\Http\Kernel;
use Illuminate\Http\Request;

$base = dirname($_SERVER['DOCUMENT_ROOT']);
require $base . '/vendor/autoload.php';
$app = require $base . '/bootstrap/app.php';
$kernel = $app->make(Kernel::class);

// No explicit garbage collection either: PHP's collector runs when its
// root buffer fills, as in the integration's worker.
$handler = static function () use ($kernel): void {
    $request = Request::capture();
    $response = $kernel->handle($request);
    $response->send();
    $kernel->terminate($request, $response);
};
while (keel_handle_request($handler)) {
}
