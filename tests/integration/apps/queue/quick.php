<?php
echo "quick pid=", getmypid(), "\n";
