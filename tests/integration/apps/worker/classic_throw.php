<?php
// The same failure as the worker's /throw, in a classic script.
echo "before-throw\n";
throw new RuntimeException('classic-boom');
