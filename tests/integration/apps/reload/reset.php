<?php
// Application code that asks for an OPcache reset (deploy tools do this).
$r = opcache_reset();
echo "reset=", var_export($r, true), " pid=", getmypid(), " zygote=", posix_getppid(), "\n";
