<?php
// Stands in for Composer's vendor/autoload.php: Debian's Laravel package
// registers the framework and its dependencies, and the application's own
// classes (App\ in app/, PSR-4, as composer.json maps them) get a loader.

require_once '/usr/share/php/Illuminate/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'App\\', 4) === 0) {
        $file = dirname(__DIR__) . '/app/' . str_replace('\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
