<?php
// keel worker mode example: the app boots once per worker process and then
// serves many requests, keeping its state in memory between them.
//
//   GET /                        the app's state
//   GET /?key=K&value=V[&ttl=S]  store V under K for S seconds (default 60)
//   GET /?key=K                  read K: a hit, or a miss (absent or expired)
//
// Run: build/keel serve --root examples/worker/public \
//          --worker examples/worker/public/worker.php --workers 2

declare(strict_types=1);

final class Cache
{
    /** @var array<string, array{value: string, expires: float}> */
    private array $items = [];
    public int $hits = 0;
    public int $misses = 0;

    public function set(string $key, string $value, float $ttl): void
    {
        $this->items[$key] = ['value' => $value, 'expires' => microtime(true) + $ttl];
    }

    public function get(string $key): ?string
    {
        $item = $this->items[$key] ?? null;
        if ($item === null || $item['expires'] <= microtime(true)) {
            unset($this->items[$key]);
            $this->misses++;
            return null;
        }
        $this->hits++;
        return $item['value'];
    }

    public function size(): int
    {
        return count($this->items);
    }
}

final class App
{
    public readonly int $pid;
    public readonly float $bootedAt;
    public int $requests = 0;
    public readonly Cache $cache;

    public function __construct()
    {
        // Expensive start-up work (configuration, container, routes...)
        // would go here: it runs once per worker, not once per request.
        $this->pid = getmypid();
        $this->bootedAt = microtime(true);
        $this->cache = new Cache();
    }

    public function handle(): void
    {
        $this->requests++;
        $out = [];
        $key = $_GET['key'] ?? null;
        if (is_string($key) && $key !== '') {
            $value = $_GET['value'] ?? null;
            if (is_string($value)) {
                $ttl = is_numeric($_GET['ttl'] ?? null) ? (float)$_GET['ttl'] : 60.0;
                $this->cache->set($key, $value, $ttl);
                $out += ['action' => 'set', 'key' => $key, 'value' => $value, 'ttl' => $ttl];
            } else {
                $found = $this->cache->get($key);
                $out += ['action' => 'get', 'key' => $key, 'hit' => $found !== null, 'value' => $found];
            }
        }
        header('Content-Type: application/json');
        echo json_encode($out + [
            'pid' => getmypid(),
            'booted_at' => gmdate('Y-m-d\TH:i:s\Z', (int)$this->bootedAt),
            'booted_at_unix' => $this->bootedAt,
            'requests_served_by_this_worker' => $this->requests,
            'cache' => [
                'size' => $this->cache->size(),
                'hits' => $this->cache->hits,
                'misses' => $this->cache->misses,
            ],
        ], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
    }
}

$app = new App();

// The loop: keel_handle_request() waits for a request, runs the callable
// with $_GET, $_SERVER, headers and output bound to it, finishes the
// response and returns true; false means this worker should stop.
// (frankenphp_handle_request() is the same function.)
while (keel_handle_request([$app, 'handle'])) {
    gc_collect_cycles();
}
