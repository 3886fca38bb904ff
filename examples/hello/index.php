<?php
// The bundled example `make run` serves: the smallest PHP response.
header('Content-Type: text/plain; charset=utf-8');
echo "Hello from keel\n";
