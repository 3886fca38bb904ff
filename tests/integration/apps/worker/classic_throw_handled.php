<?php
// The same failure as the worker's /throw-handled, in a classic script.
set_exception_handler(function (Throwable $e): void {
    http_response_code(503);
    echo "handled: ", $e->getMessage(), "\n";
});
echo "before-throw\n";
throw new RuntimeException('classic-boom');
