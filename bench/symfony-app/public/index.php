<?php
// Classic front controller (PHP-FPM style): every HTTP request builds and
// boots the kernel from the cached container, handles, sends, terminates.

declare(strict_types=1);

use App\Kernel;
use Symfony\Component\HttpFoundation\Request;

require \dirname(__DIR__) . '/bootstrap.php';

$kernel = new Kernel('prod', false);
$request = Request::createFromGlobals();
$response = $kernel->handle($request);
$response->send();
$kernel->terminate($request, $response);
