<?php
// An application file the worker script loads once, at boot. The tests ask
// a classic worker whether OPcache holds it (it never runs there).
final class App
{
    public int $count = 0;
    public float $bootedAt;
    public function __construct()
    {
        $this->bootedAt = microtime(true);
    }
}
