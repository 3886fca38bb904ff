<?php

// The front controller with runtime options of its own, as Symfony's docs
// show them: the runtime named in $_SERVER rather than the environment,
// and the environment's variables renamed.

use App\Kernel;

$_SERVER['APP_RUNTIME'] = 'Keel\Symfony\Runtime';
$_SERVER['APP_RUNTIME_OPTIONS'] = [
    'env_var_name' => 'CUSTOM_ENV',
    'debug_var_name' => 'CUSTOM_DEBUG',
];

require_once dirname(__DIR__).'/vendor/autoload_runtime.php';

return function (array $context) {
    return new Kernel($context['CUSTOM_ENV'], (bool) $context['CUSTOM_DEBUG']);
};
