<?php
header('X-Big: ' . str_repeat('h', (int)($_GET['n'] ?? 10)));
for ($i = 0; $i < (int)($_GET['count'] ?? 0); $i++) {
    header("X-H$i: v$i");
}
echo "ok";
