<?php

declare(strict_types=1);

namespace Keel\Laravel;

use Illuminate\Contracts\Debug\ExceptionHandler;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Application;
use Illuminate\Foundation\Bootstrap\RegisterProviders;
use Illuminate\Foundation\Bootstrap\SetRequestForConsole;
use Illuminate\Http\Request;
use Keel\Laravel\Events\RequestReceived;
use Keel\Laravel\Events\RequestTerminated;
use Keel\Laravel\Events\WorkerStarting;
use Keel\Laravel\Events\WorkerStopping;
use RuntimeException;
use Throwable;

/**
 * A Laravel application booted once per keel worker, serving each request
 * in a sandbox: a clone of the booted application that the request may
 * change at will and that is thrown away after it, with the state the
 * clone shares with the booted application (the session store, the auth
 * guards, the cookie queue, the URL generator, ...) reset around it by
 * Resets. See README.md.
 */
final class Worker
{
    /** Past this many bytes above the booted worker's, cycles are collected after a request. */
    private const GARBAGE_BYTES = 16 << 20;

    private Resets $resets;

    /** $_SERVER entries the booted application had and a request lacks (what Dotenv put there). */
    private array $bootServer;

    private string $maintenanceFile;

    private int $bootMemory;

    private bool $stopping = false;

    private function __construct(private Application $app)
    {
        $this->bootServer = array_filter(
            $_SERVER,
            static fn (string $key): bool => strncmp($key, 'HTTP_', 5) !== 0,
            ARRAY_FILTER_USE_KEY,
        );
        $this->maintenanceFile = $app->storagePath() . '/framework/maintenance.php';
        $this->resets = new Resets($app);
        $this->dispatch($app, WorkerStarting::class, static fn () => new WorkerStarting($app));
        $this->bootMemory = memory_get_usage();
    }

    /**
     * The application's folder: APP_BASE_PATH if set, else the parent of
     * the document root (the standard layout, public/ inside the app).
     */
    public static function basePath(): string
    {
        $path = $_SERVER['APP_BASE_PATH'] ?? $_ENV['APP_BASE_PATH'] ?? getenv('APP_BASE_PATH');
        if (!is_string($path) || $path === '') {
            $path = dirname($_SERVER['DOCUMENT_ROOT']);
        }
        $real = realpath($path);
        if ($real === false || !is_file($real . '/bootstrap/app.php')) {
            throw new RuntimeException("no Laravel application at $path (bootstrap/app.php); set APP_BASE_PATH");
        }
        return $real;
    }

    /** Boots the application in $basePath as its public/index.php would, before any request. */
    public static function boot(string $basePath): self
    {
        defined('LARAVEL_START') || define('LARAVEL_START', microtime(true));
        require_once $basePath . '/vendor/autoload.php';
        $app = require $basePath . '/bootstrap/app.php';
        if (!$app instanceof Application) {
            throw new RuntimeException("$basePath/bootstrap/app.php did not return an Illuminate\\Foundation\\Application");
        }
        $app->bootstrapWith(self::bootstrappers($app->make(HttpKernel::class)));
        // Deferred providers register now, in the booted application: one
        // registered inside a sandbox would be registered again (and its
        // services built again) for every request.
        $app->loadDeferredProviders();
        return new self($app);
    }

    /**
     * The HTTP kernel's bootstrappers, with a request bound before the
     * service providers register and boot: the kernel binds the real one
     * first, and providers that read request() while booting would
     * otherwise find none. It is the application URL's, as in the console.
     */
    private static function bootstrappers(HttpKernel $kernel): array
    {
        $list = (fn (): array => $this->bootstrappers())->call($kernel);
        $at = array_search(RegisterProviders::class, $list, true);
        if ($at !== false) {
            array_splice($list, $at, 0, [SetRequestForConsole::class]);
        }
        return $list;
    }

    /** Serves the current request (the callable given to keel_handle_request()). */
    public function handle(): void
    {
        // As public/index.php: a maintenance file (artisan down) answers
        // before the application.
        if (is_file($this->maintenanceFile)) {
            require $this->maintenanceFile;
        }
        $request = Request::capture();
        // As in classic mode, where the request is captured before Dotenv
        // adds .env's values to $_SERVER: $_SERVER has them, the request
        // object does not.
        $_SERVER += $this->bootServer;

        $sandbox = clone $this->app;
        try {
            $this->resets->enter($sandbox, $request);
            $this->dispatch($sandbox, RequestReceived::class,
                fn () => new RequestReceived($this->app, $sandbox, $request));
            $kernel = $sandbox->make(HttpKernel::class);
            $response = $kernel->handle($request);
            // send() ends the client's response (fastcgi_finish_request());
            // terminating work runs after it, as under PHP-FPM.
            $response->send();
            $kernel->terminate($request, $response);
            $this->dispatch($sandbox, RequestTerminated::class,
                fn () => new RequestTerminated($this->app, $sandbox, $request, $response));
        } catch (Throwable $e) {
            $this->fail($e, $sandbox, $request);
        } finally {
            $this->resets->leave($sandbox, $request);
        }
    }

    /**
     * The HTTP kernel renders the application's own exceptions; one that
     * gets here came from sending, terminating, a listener or a reset, and
     * the booted application may be left half reset. It is reported and
     * answered (500 unless the response went out), and this worker serves
     * no more requests: keel starts a fresh one.
     */
    private function fail(Throwable $e, Application $sandbox, Request $request): void
    {
        $this->stopping = true;
        try {
            $handler = $sandbox->make(ExceptionHandler::class);
            $handler->report($e);
            if (!headers_sent()) {
                $handler->render($request, $e)->send();
            }
        } catch (Throwable $again) {
            error_log('keel: ' . $e . "\nwhile reporting it: " . $again);
            if (!headers_sent()) {
                http_response_code(500);
            }
        }
    }

    /** Whether the worker must end after this request (see fail()). */
    public function stopping(): bool
    {
        return $this->stopping;
    }

    /**
     * Between requests: a request's cycles (a sandbox's closures over
     * itself) are freed by PHP's collector once enough accumulate; past
     * GARBAGE_BYTES of growth they are collected at once, so a worker's
     * memory stays near its booted size.
     */
    public function collectGarbage(): void
    {
        if (memory_get_usage() - $this->bootMemory > self::GARBAGE_BYTES) {
            gc_collect_cycles();
        }
    }

    /** The worker script is ending: recycling, a reload or shutdown. */
    public function stop(): void
    {
        $this->dispatch($this->app, WorkerStopping::class, fn () => new WorkerStopping($this->app));
    }

    /** Dispatches the event $make() builds, when the application listens to $class. */
    private function dispatch(Application $app, string $class, callable $make): void
    {
        if ($app->bound('events') && $app['events']->hasListeners($class)) {
            $app['events']->dispatch($make());
        }
    }
}
