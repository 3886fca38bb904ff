<?php
ob_start('ob_gzhandler');
header('X-Before-Output: yes');
for ($i = 0; $i < 2000; $i++) {
    echo "line $i of a compressible response\n";
}
