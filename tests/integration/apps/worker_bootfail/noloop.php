<?php
// A worker script that ends without ever calling keel_handle_request().
$booted = true;
