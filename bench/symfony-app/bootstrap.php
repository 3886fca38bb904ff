<?php
// Loads the application with Debian's packaged Symfony 5.4 and Twig only:
// each package ships an autoload.php under /usr/share/php that registers its
// classes and requires the autoloaders of its dependencies. The app's own
// classes (namespace App\, in src/) get a minimal PSR-4 loader.

declare(strict_types=1);

require_once '/usr/share/php/Symfony/Bundle/FrameworkBundle/autoload.php';
require_once '/usr/share/php/Symfony/Bundle/TwigBundle/autoload.php';
require_once '/usr/share/php/Symfony/Component/Yaml/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'App\\', 4) === 0) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
