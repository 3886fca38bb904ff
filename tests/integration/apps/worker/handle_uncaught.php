<?php
// keel_handle_request() from a classic script, not caught: a 500.
frankenphp_handle_request(function () {
    echo "callable-ran";
});
echo "after-call";
