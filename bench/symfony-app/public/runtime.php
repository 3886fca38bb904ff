<?php
// Symfony's standard front controller (symfony/runtime): the same kernel
// as index.php and worker.php, run by whichever runtime APP_RUNTIME names
// (bench/frameworks.sh: keel's, Keel\Symfony\Runtime, in worker mode).

use App\Kernel;

require_once dirname(__DIR__).'/vendor/autoload_runtime.php';

return function (array $context) {
    return new Kernel($context['APP_ENV'], (bool) $context['APP_DEBUG']);
};
