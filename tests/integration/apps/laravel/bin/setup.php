<?php
// Prepares a copy of this application to be served: creates the SQLite
// database (two users, twenty items) and, with --cache, caches the
// configuration, the routes and the compiled Blade views as a production
// deploy does (`php artisan config:cache route:cache view:cache`).
//
//   php bin/setup.php [--cache]

declare(strict_types=1);

$base = dirname(__DIR__);
$db = $base . '/database/database.sqlite';
@unlink($db);
$pdo = new PDO('sqlite:' . $db, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$pdo->exec('CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR NOT NULL,
    email VARCHAR NOT NULL UNIQUE, password VARCHAR NOT NULL, remember_token VARCHAR NULL,
    created_at DATETIME NULL, updated_at DATETIME NULL)');
$pdo->exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price INTEGER NOT NULL,
    stock INTEGER NOT NULL)');
$user = $pdo->prepare('INSERT INTO users (name, email, password, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?)');
foreach (['alice', 'bob'] as $name) {
    $hash = password_hash($name . '-password', PASSWORD_BCRYPT, ['cost' => 4]);
    $user->execute([$name, $name . '@example.com', $hash, '2021-06-01 12:00:00', '2021-06-01 12:00:00']);
}
$item = $pdo->prepare('INSERT INTO items (id, name, price, stock) VALUES (?, ?, ?, ?)');
for ($i = 1; $i <= 20; $i++) {
    $item->execute([$i, 'Item <' . $i . '> & co', 199 * $i + 5, ($i * 7) % 5]);
}

if (in_array('--cache', $argv, true)) {
    require $base . '/vendor/autoload.php';
    $app = require $base . '/bootstrap/app.php';
    $kernel = $app->make(Illuminate\Contracts\Console\Kernel::class);
    foreach (['config:cache', 'route:cache', 'view:cache'] as $command) {
        if ($kernel->call($command) !== 0) {
            fwrite(STDERR, "$command failed:\n" . $kernel->output());
            exit(1);
        }
    }
}
