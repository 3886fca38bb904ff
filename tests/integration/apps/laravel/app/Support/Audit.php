<?php

namespace App\Support;

// Static state, which no container reset reaches: under PHP-FPM it starts
// empty in every request; in keel's worker mode the application empties it
// from a listener of keel's RequestReceived event (AppServiceProvider).
class Audit
{
    public static array $entries = [];
}
