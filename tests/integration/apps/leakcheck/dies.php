<?php
// A worker-mode script whose worker kills itself on request DIE_AFTER
// (environment, default 150), as a segfaulting extension would: keel
// leakcheck must end its run there with the figure so far.
$served = 0;
$after = (int)(getenv('DIE_AFTER') ?: 150);
while (keel_handle_request(function () use (&$served, $after): void {
    if (++$served >= $after) {
        posix_kill(getmypid(), 9);
    }
    echo "served $served\n";
})) {
}
