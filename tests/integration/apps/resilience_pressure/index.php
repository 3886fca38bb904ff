<?php
// OPcache pressure the way template engines cause it: every template is
// a small file defining an anonymous class, and the application
// invalidates each template after using it (as a "check for changes"
// would), so every request compiles them all again. Each compile wastes
// the old script's memory and interns new class names.
//
// ?n= templates (default 200) are generated on first use under
// templates/, with an old mtime so OPcache caches them at once.
$n = max(1, min(2000, (int)($_GET['n'] ?? 200)));
$dir = __DIR__ . '/templates';
if (!is_file("$dir/t" . ($n - 1) . ".php")) {
    @mkdir($dir);
    $lock = fopen(__DIR__ . '/templates.lock', 'c');
    flock($lock, LOCK_EX);
    for ($i = 0; $i < $n; $i++) {
        $f = "$dir/t$i.php";
        if (is_file($f)) {
            continue;
        }
        $code = "<?php\nreturn new class {\n    public string \$name = 'tpl$i';\n"
              . "    public function render(array \$v): string { return '<li>' . \$this->name . ':' . \$v['x'] . '</li>'; }\n};\n";
        file_put_contents("$f.tmp", $code);
        touch("$f.tmp", time() - 3600);
        rename("$f.tmp", $f);
    }
    flock($lock, LOCK_UN);
}
$out = '';
for ($i = 0; $i < $n; $i++) {
    $f = "$dir/t$i.php";
    $t = include $f;
    $out .= $t->render(['x' => $i]);
    opcache_invalidate($f, true);
}
$st = (opcache_get_status(false) ?: [])['opcache_statistics'] ?? [];
header('X-Zygote: ' . posix_getppid());
$oom = $st['oom_restarts'] ?? 0;
$hash = $st['hash_restarts'] ?? 0;
$manual = $st['manual_restarts'] ?? 0;
// Restarts OPcache did by itself (in place) in this generation.
header('X-OPcache-Restarts: ' . ($oom + $hash + $manual));
header("X-OPcache-Restart-Kinds: oom=$oom hash=$hash manual=$manual");
echo "n=$n md5=", md5($out), "\n";
