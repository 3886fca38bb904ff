<?php
// A worker script that does not compile.
$app = [;
while (keel_handle_request(function () { echo "never"; })) {
}
