<?php
// bench/burst.sh checks that the server answers before it measures.
echo "ok\n";
