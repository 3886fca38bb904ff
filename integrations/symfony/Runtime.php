<?php

declare(strict_types=1);

namespace Keel\Symfony;

use Symfony\Component\HttpKernel\HttpKernelInterface;
use Symfony\Component\Runtime\RunnerInterface;
use Symfony\Component\Runtime\SymfonyRuntime;

/**
 * Symfony Runtime for keel: a standard front controller
 * (`return function (array $context) { return new Kernel(...); }`) runs in
 * keel's worker mode, the kernel booted once per worker, with
 *
 *   APP_RUNTIME='Keel\Symfony\Runtime' keel serve --root public --worker public/index.php
 *
 * Outside worker mode (keel classic, PHP-FPM) it is Symfony's own runtime.
 * keel loads this class itself (nothing to install in the application).
 *
 * It takes SymfonyRuntime's options (env, debug, disable_dotenv,
 * dotenv_path, prod_envs, test_envs, use_putenv, dotenv_overload,
 * error_handler, env_var_name, debug_var_name, project_dir...) and:
 *   keel_loop_max  requests a worker serves before its script ends and
 *                  keel starts another (KEEL_LOOP_MAX; default -1, no
 *                  limit: keel's --max-requests does the same from outside).
 */
class Runtime extends SymfonyRuntime
{
    public function __construct(array $options = [])
    {
        // SymfonyRuntime reads the environment's APP_ENV and APP_DEBUG from
        // $_SERVER or $_ENV. Until keel passes its environment to $_SERVER,
        // a value that only the process environment holds (getenv(), with
        // variables_order lacking E) is taken from there.
        foreach ([$options['env_var_name'] ?? 'APP_ENV', $options['debug_var_name'] ?? 'APP_DEBUG'] as $name) {
            if (!isset($_SERVER[$name]) && !isset($_ENV[$name]) && false !== ($value = getenv($name))) {
                $_SERVER[$name] = $value;
            }
        }
        $loopMax = $options['keel_loop_max'] ?? $_SERVER['KEEL_LOOP_MAX'] ?? $_ENV['KEEL_LOOP_MAX'] ?? getenv('KEEL_LOOP_MAX');
        $options['keel_loop_max'] = false === $loopMax || '' === $loopMax ? -1 : (int) $loopMax;

        parent::__construct($options);
    }

    public function getRunner(?object $application): RunnerInterface
    {
        if ($application instanceof HttpKernelInterface && self::inWorkerMode()) {
            return new Runner($application, $this->options['keel_loop_max']);
        }

        return parent::getRunner($application);
    }

    /** keel's worker mode: the script keel runs once per worker, before any request. */
    private static function inWorkerMode(): bool
    {
        return \function_exists('keel_handle_request') && !empty($_SERVER['FRANKENPHP_WORKER']);
    }
}
