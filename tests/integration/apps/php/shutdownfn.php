<?php
class Tail {
    public function __destruct() {
        echo "from-destructor\n";
    }
}
$t = new Tail();
register_shutdown_function(function () {
    echo "from-shutdown-function\n";
});
echo "main-body\n";
