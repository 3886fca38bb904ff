<?php

declare(strict_types=1);

namespace App;

use App\Controller\HelloController;
use Symfony\Bundle\FrameworkBundle\FrameworkBundle;
use Symfony\Bundle\FrameworkBundle\Kernel\MicroKernelTrait;
use Symfony\Bundle\TwigBundle\TwigBundle;
use Symfony\Component\DependencyInjection\Loader\Configurator\ContainerConfigurator;
use Symfony\Component\HttpKernel\Kernel as BaseKernel;
use Symfony\Component\Routing\Loader\Configurator\RoutingConfigurator;

/**
 * The benchmark's Symfony application: FrameworkBundle + TwigBundle, one
 * route, configured in PHP (no config/ directory).
 *
 * Cache and logs live under APP_VAR_DIR (an environment variable the
 * benchmark points at a temp dir it creates and removes), never in the
 * repository. Without it, a per-checkout directory under the system's temp
 * dir is used, so the app can still be tried by hand.
 */
final class Kernel extends BaseKernel
{
    use MicroKernelTrait;

    public function registerBundles(): iterable
    {
        yield new FrameworkBundle();
        yield new TwigBundle();
    }

    public function getProjectDir(): string
    {
        return \dirname(__DIR__);
    }

    public function getCacheDir(): string
    {
        return self::varDir() . '/cache/' . $this->environment;
    }

    public function getLogDir(): string
    {
        return self::varDir() . '/log';
    }

    public static function varDir(): string
    {
        $dir = getenv('APP_VAR_DIR');
        if (\is_string($dir) && $dir !== '') {
            return rtrim($dir, '/');
        }
        return sys_get_temp_dir() . '/keel-symfony-app-' . substr(md5(\dirname(__DIR__)), 0, 8);
    }

    protected function configureContainer(ContainerConfigurator $container): void
    {
        $container->extension('framework', [
            'secret' => 'keel-bench-not-a-secret',
            'http_method_override' => false,
            'router' => ['utf8' => true],
            'php_errors' => ['log' => true],
        ]);
        $container->extension('twig', [
            'default_path' => '%kernel.project_dir%/templates',
            'strict_variables' => true,
        ]);

        $container->services()
            ->defaults()->autowire()->autoconfigure()
            ->set(HelloController::class)->tag('controller.service_arguments');
    }

    protected function configureRoutes(RoutingConfigurator $routes): void
    {
        // "/" too, so that readiness checks polling / get a 200.
        $routes->add('index', '/')
            ->controller([HelloController::class, 'hello'])
            ->defaults(['name' => 'world'])
            ->methods(['GET', 'HEAD']);
        $routes->add('hello', '/hello/{name}')
            ->controller([HelloController::class, 'hello'])
            ->methods(['GET', 'HEAD'])
            ->requirements(['name' => '[A-Za-z0-9_.-]{1,64}']);
    }
}
