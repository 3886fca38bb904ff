<?php
// keel's worker script for Laravel applications in the standard layout
// (bootstrap/app.php and vendor/autoload.php above the document root):
//
//   keel serve --root app/public --worker <keel>/integrations/laravel/worker.php
//
// Each worker boots the application once; every request then runs in a
// fresh sandbox of it, with the per-request state Laravel Octane resets
// put back (see README.md next to this file). Nothing is added to the
// application. keel loads the Keel\Laravel\ classes itself.

declare(strict_types=1);

use Keel\Laravel\Worker;

if (!function_exists('keel_handle_request') || empty($_SERVER['FRANKENPHP_WORKER'])) {
    fwrite(STDERR, "keel's Laravel worker runs under keel serve --worker only\n");
    exit(1);
}

$worker = Worker::boot(Worker::basePath());
$handler = [$worker, 'handle'];
while (!$worker->stopping() && keel_handle_request($handler)) {
    $worker->collectGarbage();
}
$worker->stop();
