<?php
$r = [];
$r['relative'] = include 'inc/helper.php';
$r['dot_relative'] = include './inc/helper.php';
$r['exists'] = file_exists('inc/helper.php');
$r['fopen_rel'] = file_get_contents('style.css');
$r['include_path'] = get_include_path();
$r['cwd'] = getcwd();
echo json_encode($r, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
