<?php
// A worker script that throws while booting, before its first request.
throw new LogicException('boot-exception-marker');
while (keel_handle_request(function () { echo "never"; })) {
}
