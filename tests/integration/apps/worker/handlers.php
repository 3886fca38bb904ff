<?php
// Worker script whose boot installs an error handler: a request's own
// handlers must be gone after it, the boot one must stay.
set_error_handler(function (int $no, string $msg): bool {
    echo "boot-handler:", $msg, "\n";
    return true;
});

$handler = function () {
    switch (parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH)) {
        case '/install':
            set_error_handler(function (int $no, string $msg): bool {
                echo "request-handler:", $msg, "\n";
                return true;
            });
            set_error_handler(function (int $no, string $msg): bool {
                echo "nested-request-handler:", $msg, "\n";
                return true;
            });
            set_exception_handler(function (Throwable $e): void {
            });
            trigger_error('during install', E_USER_NOTICE);
            break;
        case '/probe':
            trigger_error('probe', E_USER_NOTICE);
            // set_exception_handler() returns the handler in force
            $previous = set_exception_handler(null);
            restore_exception_handler();
            echo "exception-handler:", $previous === null ? "none" : "set", "\n";
            break;
    }
};

while (keel_handle_request($handler)) {
}
