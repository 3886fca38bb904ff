<?php

namespace App;

use App\Controller\AppController;
use Symfony\Bundle\FrameworkBundle\FrameworkBundle;
use Symfony\Bundle\FrameworkBundle\Kernel\MicroKernelTrait;
use Symfony\Bundle\SecurityBundle\SecurityBundle;
use Symfony\Component\DependencyInjection\Loader\Configurator\ContainerConfigurator;
use Symfony\Component\HttpKernel\Kernel as BaseKernel;
use Symfony\Component\Routing\Loader\Configurator\RoutingConfigurator;
use Symfony\Component\Security\Core\User\InMemoryUser;

/**
 * Symfony's MicroKernelTrait kernel, configured in PHP rather than in
 * config/*.yaml: the framework with native sessions and CSRF, and the
 * security component with two in-memory users signing in through a form.
 */
class Kernel extends BaseKernel
{
    use MicroKernelTrait;

    /** When this process built its first kernel: once per worker, once per request in classic mode. */
    public static ?float $firstBuiltAt = null;

    public function __construct(string $environment, bool $debug)
    {
        self::$firstBuiltAt ??= microtime(true);
        parent::__construct($environment, $debug);
    }

    public function registerBundles(): iterable
    {
        yield new FrameworkBundle();
        yield new SecurityBundle();
    }

    protected function configureContainer(ContainerConfigurator $container): void
    {
        $container->extension('framework', [
            'secret' => '%env(APP_SECRET)%',
            'http_method_override' => false,
            'csrf_protection' => true,
            'session' => [
                'handler_id' => null,
                'storage_factory_id' => 'session.storage.factory.native',
                'save_path' => '%kernel.project_dir%/var/sessions',
                'cookie_samesite' => 'lax',
            ],
            'router' => ['utf8' => true],
            'php_errors' => ['log' => true],
        ]);
        $container->extension('security', [
            'enable_authenticator_manager' => true,
            'password_hashers' => [InMemoryUser::class => 'plaintext'],
            'providers' => ['users' => ['memory' => ['users' => [
                'alice' => ['password' => 'alice-password', 'roles' => ['ROLE_USER']],
                'bob' => ['password' => 'bob-password', 'roles' => ['ROLE_USER']],
            ]]]],
            'firewalls' => ['main' => [
                'lazy' => true,
                'provider' => 'users',
                'form_login' => [
                    'login_path' => 'login',
                    'check_path' => 'login',
                    'enable_csrf' => true,
                    'default_target_path' => '/whoami',
                    'always_use_default_target_path' => true,
                ],
                'logout' => ['path' => 'logout', 'target' => '/whoami'],
            ]],
            'access_control' => [['path' => '^/private', 'roles' => 'ROLE_USER']],
        ]);
        $container->parameters()->set('from_dotenv', '%env(FROM_DOTENV)%');

        $container->services()
            ->defaults()->autowire()->autoconfigure()
            ->set(CurrentUser::class)
            ->set(CurrentUserListener::class)
            ->set(AppController::class)->public()->tag('controller.service_arguments');
    }

    protected function configureRoutes(RoutingConfigurator $routes): void
    {
        $c = AppController::class;
        $routes->add('login', '/login')->controller([$c, 'login']);
        $routes->add('logout', '/logout')->methods(['GET']);
        $routes->add('token', '/token')->controller([$c, 'token']);
        $routes->add('whoami', '/whoami')->controller([$c, 'whoami']);
        $routes->add('private', '/private')->controller([$c, 'whoami']);
        $routes->add('note', '/note')->controller([$c, 'note']);
        $routes->add('env', '/env')->controller([$c, 'env']);
        $routes->add('form', '/form')->controller([$c, 'form'])->methods(['POST']);
        $routes->add('worker', '/worker')->controller([$c, 'worker']);
        $routes->add('hello', '/hello/{name}')->controller([$c, 'hello']);
    }
}
