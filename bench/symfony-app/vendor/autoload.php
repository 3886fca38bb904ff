<?php
// What Composer's vendor/autoload.php would be: the app's loaders
// (bootstrap.php) and symfony/runtime, all from Debian's packages.

require_once dirname(__DIR__) . '/bootstrap.php';
require_once '/usr/share/php/Symfony/Component/Runtime/autoload.php';
