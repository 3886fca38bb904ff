<?php
ini_set('session.save_path', dirname(__DIR__) . '/sessions');
session_start();
$_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
$_SESSION['hist'][] = $_GET['v'] ?? null;
echo json_encode(['n' => $_SESSION['n'], 'hist' => $_SESSION['hist'], 'name' => session_name(),
                  'id_len' => strlen(session_id()), 'status' => session_status()]), "\n";
