<?php
echo "accesslog pid=", getmypid(), "\n";
