<?php

declare(strict_types=1);

namespace Keel\Symfony;

use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpKernel\HttpKernelInterface;
use Symfony\Component\HttpKernel\Kernel;
use Symfony\Component\HttpKernel\KernelInterface;
use Symfony\Component\HttpKernel\TerminableInterface;
use Symfony\Component\Runtime\RunnerInterface;
use Symfony\Contracts\Service\ResetInterface;

/**
 * Serves request after request with one booted kernel, in keel's worker
 * mode (see Runtime). keel rebuilds the superglobals and puts back PHP's
 * per-request state between requests; this puts back the kernel's: the
 * services tagged kernel.reset are reset after every request.
 */
final class Runner implements RunnerInterface
{
    /** The prefix PHP gives errors raised while a request starts. */
    private const STARTUP_ERROR = 'PHP Request Startup: ';

    public function __construct(private HttpKernelInterface $kernel, private int $loopMax)
    {
    }

    public function run(): int
    {
        // What booting put in $_SERVER and a request lacks (APP_ENV and
        // APP_DEBUG as the runtime settled them, what Dotenv loaded): keel
        // builds each request's $_SERVER from the request alone, and
        // Symfony, as under PHP-FPM, expects them there too.
        $server = array_filter($_SERVER, static fn (string $key): bool => !str_starts_with($key, 'HTTP_'),
            ARRAY_FILTER_USE_KEY);
        $kernel = $this->kernel;
        $handler = static function () use ($kernel, $server): void {
            $_SERVER += $server;
            if (self::unparsable()) {
                self::reject();

                return;
            }
            $request = Request::createFromGlobals();
            $response = $kernel->handle($request);
            // send() ends the client's response (fastcgi_finish_request()):
            // terminating and resetting happen after the client has it.
            $response->send();
            if ($kernel instanceof TerminableInterface) {
                $kernel->terminate($request, $response);
            }
            self::reset($kernel);
        };

        for ($served = 0; -1 === $this->loopMax || $served < $this->loopMax; ++$served) {
            if (!keel_handle_request($handler)) {
                break;
            }
        }

        return 0;
    }

    /**
     * Whether PHP could not take the request whole: a body over
     * post_max_size, more fields than max_input_vars, too many files. PHP
     * then reports it while the request starts (keel keeps that report
     * from the application's error handler, which would throw it) and
     * hands the application a truncated request.
     */
    private static function unparsable(): bool
    {
        $error = error_get_last();

        return null !== $error && str_starts_with($error['message'], self::STARTUP_ERROR);
    }

    /** A 400, without troubling the application with a request it would misread. */
    private static function reject(): void
    {
        error_clear_last();
        (new Response("Bad Request\n", 400, ['Content-Type' => 'text/plain; charset=UTF-8']))->send();
    }

    /**
     * The services tagged kernel.reset, right after the request. A booted
     * Symfony kernel resets them itself when the next request arrives; its
     * boot() does it now instead (and not again then), so that between
     * requests no service holds the last user's data.
     */
    private static function reset(HttpKernelInterface $kernel): void
    {
        if ($kernel instanceof Kernel) {
            $kernel->boot();
        } elseif ($kernel instanceof KernelInterface && null !== $kernel->getContainer()
            && $kernel->getContainer()->has('services_resetter')) {
            $kernel->getContainer()->get('services_resetter')->reset();
        } elseif ($kernel instanceof ResetInterface) {
            $kernel->reset();
        }
    }
}
