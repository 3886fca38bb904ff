<?php
// Stands in for Composer's vendor/autoload.php: Debian's packages register
// Symfony's classes, and the application's own (App\ in src/, PSR-4, as
// composer.json maps them) get a loader.

require_once '/usr/share/php/Symfony/Bundle/FrameworkBundle/autoload.php';
require_once '/usr/share/php/Symfony/Bundle/SecurityBundle/autoload.php';
require_once '/usr/share/php/Symfony/Component/Dotenv/autoload.php';
require_once '/usr/share/php/Symfony/Component/Runtime/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'App\\', 4) === 0) {
        $file = dirname(__DIR__) . '/src/' . str_replace('\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
