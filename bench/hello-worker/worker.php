<?php
// Worker-mode counterpart of examples/hello/index.php for bench/worker.sh:
// same headers, same body, but the script runs once per worker and each
// request only calls the closure.
//
//   keel serve --root bench/hello-worker --worker bench/hello-worker/worker.php
//
// There is deliberately no index.php here: with one, GET / would run it in
// keel's classic pool instead of reaching the worker script.

$handler = static function (): void {
    header('Content-Type: text/plain; charset=utf-8');
    echo "Hello from keel\n";
};

while (keel_handle_request($handler)) {
}
