<?php
// keel_handle_request() from a classic script must throw.
try {
    keel_handle_request(function () {
        echo "callable-ran";
    });
    echo "no-exception";
} catch (RuntimeException $e) {
    echo "caught ", get_class($e), ": ", $e->getMessage();
}
