<?php

declare(strict_types=1);

namespace Keel\Laravel;

use Carbon\Carbon;
use Carbon\Laravel\ServiceProvider as CarbonServiceProvider;
use Illuminate\Container\Container;
use Illuminate\Contracts\Auth\Access\Gate;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Pagination\PaginationState;
use Illuminate\Pipeline\Hub;
use Illuminate\Routing\Route;
use Illuminate\Session\DatabaseSessionHandler;
use Illuminate\Support\Facades\Facade;
use Illuminate\Support\NamespacedItemResolver;
use Illuminate\Support\Str;
use Monolog\ResettableInterface;

/**
 * What a request may leave behind in a booted Laravel application, and how
 * each request gets it back as a fresh PHP-FPM request would.
 *
 * A request runs in a sandbox, a clone of the booted application: bindings
 * and singletons it resolves (a request-scoped singleton) live in the
 * sandbox and go with it. But the clone shares the objects the booted
 * application had built (the warmed services below): those are handed the
 * sandbox, and what they keep per user (the session, the signed-in user,
 * queued cookies, ...) is dropped before and after every request. The list
 * follows Laravel Octane's listeners; the code is keel's own.
 */
final class Resets
{
    /**
     * Built once, in the booted application, so requests share them rather
     * than each building its own (Octane warms the same).
     */
    private const WARM = [
        'auth', 'cache', 'cache.store', 'config', 'cookie', 'db', 'db.factory', 'db.transactions', 'encrypter',
        'files', 'hash', 'log', 'router', 'routes', 'session', 'session.store', 'translator', 'url', 'view',
    ];

    /** Bindings the application asks to forget after each request (config keel.flush). */
    private array $flush;

    /** The booted application's request (from its URL): bound between requests. */
    private Request $bootRequest;

    /** The URL generator's settings after booting: forced root and scheme, formatters, defaults. */
    private ?array $url = null;

    /** What the booted application shared with every view. */
    private array $viewShared = [];

    /** Whether each database connection of the booted application logged its queries. */
    private array $queryLogging = [];

    /**
     * What the booted configuration says, read once: each request gets a
     * copy of it (enter()), so no request changes these for the next.
     */
    private mixed $locale;
    private mixed $fallbackLocale;
    private bool $arrayCache;

    /** The session store's handler when it holds the container (the database driver's). */
    private ?DatabaseSessionHandler $databaseSessions = null;

    /**
     * The session store was emptied, with a new id, when the last request
     * left: the next one finds it as a fresh PHP-FPM request would. False
     * before the first request, and after a leave() that did not finish.
     */
    private bool $sessionClean = false;

    public function __construct(private Application $app)
    {
        $config = $app->make('config');
        foreach (array_merge(self::WARM, (array) $config->get('keel.warm', [])) as $service) {
            if (is_string($service) && $app->bound($service)) {
                $app->make($service);
            }
        }
        $this->flush = (array) $config->get('keel.flush', []);
        $this->bootRequest = $app->make('request');
        if ($app->resolved('url')) {
            $url = $app->make('url');
            $this->url = self::read($url, ['forcedRoot', 'forceScheme', 'formatHostUsing', 'formatPathUsing']);
            $this->url['defaults'] = $url->getDefaultParameters();
        }
        if ($app->resolved('view')) {
            $this->viewShared = $app->make('view')->getShared();
        }
        if ($app->resolved('db')) {
            foreach ($app->make('db')->getConnections() as $name => $connection) {
                $this->queryLogging[$name] = $connection->logging();
            }
        }
        $this->locale = $config->get('app.locale');
        $this->fallbackLocale = $config->get('app.fallback_locale');
        $this->arrayCache = (bool) $config->get('cache.stores.array');
        if ($app->resolved('session')) {
            $handler = $app->make('session')->driver()->getHandler();
            $this->databaseSessions = $handler instanceof DatabaseSessionHandler ? $handler : null;
        }
    }

    /** Before a request: $sandbox becomes the application, reset for $request. */
    public function enter(Application $sandbox, Request $request): void
    {
        $this->makeCurrent($sandbox);
        // Configuration: config() in a request changes the sandbox's copy.
        $sandbox->instance('config', clone $sandbox->make('config'));
        $this->giveSandboxToServices($sandbox);
        $this->resetDatabase($sandbox);
        $this->resetLogs($sandbox);
        $this->resetCaches($sandbox);
        $this->resetLocale($sandbox);
        if ($sandbox->resolved('view')) {
            $this->resetView($sandbox, $sandbox);
        }
        $this->resetUrlGenerator($sandbox);
        $this->dropUserState($sandbox, true);
        $this->sessionClean = false;
        // The request, in both: services built by the booted application
        // and holding it resolve 'request' there. Binding it runs the
        // 'request' rebinding callbacks (the URL generator's, the user
        // resolver's).
        $this->app->instance('request', $request);
        $sandbox->instance('request', $request);
        PaginationState::resolveUsing($sandbox);
    }

    /** After a request: nothing of it stays in what outlives the sandbox. */
    public function leave(Application $sandbox, Request $request): void
    {
        $route = $request->route();
        if ($route instanceof Route) {
            // the controller instance, which may hold request data
            $route->flushController();
        }
        $this->dropUserState($sandbox, false);
        $this->sessionClean = true;
        $this->rollBackTransactions($sandbox);
        if ($sandbox->resolved('view')) {
            $this->resetView($sandbox, $this->app);
        }
        $sandbox->flush();
        if (method_exists($this->app, 'forgetScopedInstances')) {
            $this->app->forgetScopedInstances();
        }
        foreach ($this->flush as $binding) {
            $this->app->forgetInstance($binding);
        }
        $this->makeCurrent($this->app);
        $this->app->instance('request', $this->bootRequest);
    }

    /**
     * The container, facades and helpers (app(), request(), auth()...)
     * resolve through $app; facades forget what they resolved from the
     * previous one.
     */
    private function makeCurrent(Application $app): void
    {
        $app->instance('app', $app);
        $app->instance(Container::class, $app);
        Container::setInstance($app);
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication($app);
    }

    /**
     * Services built by the booted application hold it; those that resolve
     * request data through it (guards, the session, views, validation,
     * routing) are handed the sandbox, and forget drivers built with the
     * previous one.
     */
    private function giveSandboxToServices(Application $sandbox): void
    {
        $sandbox->make(HttpKernel::class)->setApplication($sandbox);
        if ($sandbox->resolved('router')) {
            $sandbox->make('router')->setContainer($sandbox);
        }
        if ($sandbox->resolved(Gate::class)) {
            $sandbox->make(Gate::class)->setContainer($sandbox);
        }
        if ($sandbox->resolved(Hub::class)) {
            $sandbox->make(Hub::class)->setContainer($sandbox);
        }
        if ($sandbox->resolved('validator')) {
            $sandbox->make('validator')->setContainer($sandbox);
        }
        if ($sandbox->resolved('view')) {
            $sandbox->make('view')->setContainer($sandbox);
        }
        foreach (['cache', 'db', 'filesystem', 'queue', 'mail.manager', \Illuminate\Broadcasting\BroadcastManager::class]
                 as $manager) {
            if ($sandbox->resolved($manager) && method_exists($service = $sandbox->make($manager), 'setApplication')) {
                $service->setApplication($sandbox);
            }
        }
        if ($sandbox->resolved('mail.manager')) {
            $sandbox->make('mail.manager')->forgetMailers();
        }
        $notifications = \Illuminate\Notifications\ChannelManager::class;
        if ($sandbox->resolved($notifications)) {
            $sandbox->make($notifications)->setContainer($sandbox);
            $sandbox->make($notifications)->forgetDrivers();
        }
        $this->databaseSessions?->setContainer($sandbox);
    }

    /**
     * Per user, in objects every request shares: the session's data and id,
     * the guards and their user, cookies queued for the response. Dropped
     * before a request (so it starts as a fresh PHP-FPM request) and after
     * it (so a worker waiting for work keeps no one's data). The session
     * store emptied after a request is not emptied again before the next.
     */
    private function dropUserState(Application $sandbox, bool $entering): void
    {
        if ($sandbox->resolved('session') && !($entering && $this->sessionClean)) {
            // StartSession merges what it reads into what the store holds:
            // without this, the previous user's session joins the next one's.
            // A new id, as a fresh store has one; StartSession then sets the
            // client's, and a CSRF token when the session has none.
            $store = $sandbox->make('session')->driver();
            $store->flush();
            $store->setId(null);
        }
        if ($sandbox->resolved('auth.driver')) {
            $sandbox->forgetInstance('auth.driver');
        }
        if ($sandbox->resolved('auth')) {
            $auth = $sandbox->make('auth');
            if ($entering) {
                $auth->setApplication($sandbox);
            }
            $auth->forgetGuards();
        }
        if ($sandbox->resolved('cookie')) {
            $sandbox->make('cookie')->flushQueuedCookies();
        }
    }

    /**
     * Connections outlive requests (that is much of the gain): a request's
     * query log, its record-modification flag and its query-time handlers
     * do not.
     */
    private function resetDatabase(Application $sandbox): void
    {
        if (!$sandbox->resolved('db')) {
            return;
        }
        foreach ($sandbox->make('db')->getConnections() as $name => $connection) {
            $connection->flushQueryLog();
            if ($connection->logging() && !($this->queryLogging[$name] ?? false)) {
                $connection->disableQueryLog();
            }
            $connection->forgetRecordModificationState();
            if (method_exists($connection, 'resetTotalQueryDuration')) {
                $connection->resetTotalQueryDuration();
                $connection->allowQueryDurationHandlersToRunAgain();
            }
        }
    }

    /**
     * A transaction a request left open (it failed between begin and
     * commit) would hold the next requests' writes: PHP-FPM's request end
     * closes the connection, which rolls it back; so does this.
     */
    private function rollBackTransactions(Application $sandbox): void
    {
        if (!$sandbox->resolved('db')) {
            return;
        }
        foreach ($sandbox->make('db')->getConnections() as $name => $connection) {
            if ($connection->transactionLevel() > 0) {
                error_log("keel: rolling back a transaction a request left open on database connection $name");
                $connection->rollBack(0);
            }
        }
    }

    /** A request's log context and Monolog's buffers. */
    private function resetLogs(Application $sandbox): void
    {
        if (!$sandbox->resolved('log')) {
            return;
        }
        foreach ($sandbox->make('log')->getChannels() as $channel) {
            if (method_exists($channel, 'withoutContext')) {
                $channel->withoutContext();
            }
            $logger = method_exists($channel, 'getLogger') ? $channel->getLogger() : null;
            if ($logger instanceof ResettableInterface) {
                $logger->reset();
            }
        }
    }

    /** The "array" cache store and memoised string conversions, which only grow. */
    private function resetCaches(Application $sandbox): void
    {
        if ($this->arrayCache && $sandbox->resolved('cache')) {
            $sandbox->make('cache')->store('array')->flush();
        }
        Str::flushCache();
        $translator = $sandbox->resolved('translator') ? $sandbox->make('translator') : null;
        if ($translator instanceof NamespacedItemResolver) {
            $translator->flushParsedKeys();
        }
    }

    /**
     * App::setLocale() in a request: the translator's and Carbon's locale.
     * Each is set only when it differs: Carbon reloads its translations on
     * every setLocale(), which would cost more than the rest of the resets.
     */
    private function resetLocale(Application $sandbox): void
    {
        $locale = $this->locale;
        if ($sandbox->resolved('translator')) {
            $translator = $sandbox->make('translator');
            if ($locale !== null && $translator->getLocale() !== $locale) {
                $translator->setLocale($locale);
            }
            if ($this->fallbackLocale !== null && $translator->getFallback() !== $this->fallbackLocale) {
                $translator->setFallback($this->fallbackLocale);
            }
            $locale = $translator->getLocale();
        }
        // Not loaded yet: nothing set its locale.
        if (class_exists(Carbon::class, false) && Carbon::getLocale() !== $locale
            && class_exists(CarbonServiceProvider::class)) {
            (new CarbonServiceProvider($sandbox))->updateLocale();
        }
    }

    /**
     * View::share() in a request (the 'errors' bag of a validation that
     * failed) and sections of a render an exception cut short; views see
     * $current as their `$app`.
     */
    private function resetView(Application $sandbox, Application $current): void
    {
        $view = $sandbox->make('view');
        $view->flushState();
        self::write($view, ['shared' => $this->viewShared]);
        $view->share('app', $current);
        // Compiler engines remember the view being compiled; a render cut
        // short leaves it behind, so they are rebuilt.
        $resolver = $sandbox->make('view.engine.resolver');
        $resolver->forget('blade');
        $resolver->forget('php');
    }

    /** URL::forceRootUrl(), forceScheme(), defaults() and formatters set by a request. */
    private function resetUrlGenerator(Application $sandbox): void
    {
        if ($this->url === null || !$sandbox->resolved('url')) {
            return;
        }
        $url = $sandbox->make('url');
        $boot = $this->url;
        self::write($url, [
            'forcedRoot' => $boot['forcedRoot'],
            'forceScheme' => $boot['forceScheme'],
            'formatHostUsing' => $boot['formatHostUsing'],
            'formatPathUsing' => $boot['formatPathUsing'],
            'cachedRoot' => null,
            'cachedScheme' => null,
            'routeGenerator' => null,
        ]);
        if ($boot['defaults'] !== []) {
            $url->defaults($boot['defaults']);
        }
    }

    /** Protected properties of $object, by name. */
    private static function read(object $object, array $names): array
    {
        return (function () use ($names): array {
            $values = [];
            foreach ($names as $name) {
                $values[$name] = $this->{$name};
            }
            return $values;
        })->call($object);
    }

    /** Sets protected properties of $object. */
    private static function write(object $object, array $values): void
    {
        (function () use ($values): void {
            foreach ($values as $name => $value) {
                $this->{$name} = $value;
            }
        })->call($object);
    }
}
