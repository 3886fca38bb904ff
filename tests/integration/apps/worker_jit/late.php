<?php
// Names $_SERVER and $_REQUEST; see worker.php.

function late_seen(): array
{
    return [
        'query' => $_SERVER['QUERY_STRING'] ?? null,
        'x' => $_REQUEST['x'] ?? null,
    ];
}

return late_seen();
