<?php
// Never requested: opcache_is_script_cached() must say false for it.
echo "never";
