<?php
// Builds and warms the prod cache under APP_VAR_DIR before a benchmark:
// booting compiles and dumps the container (and runs the mandatory cache
// warmers); handling one request in-process also writes the compiled
// router and the compiled Twig template. Prints the response body, exits 1
// on anything but a 200.
//
//   APP_VAR_DIR=/tmp/x php bin/warmup.php [/hello/NAME]

declare(strict_types=1);

use App\Kernel;
use Symfony\Component\HttpFoundation\Request;

require \dirname(__DIR__) . '/bootstrap.php';

$kernel = new Kernel('prod', false);
$kernel->boot();
$request = Request::create($argv[1] ?? '/hello/warmup');
$response = $kernel->handle($request);
$kernel->terminate($request, $response);
echo $response->getContent();
exit($response->getStatusCode() === 200 ? 0 : 1);
