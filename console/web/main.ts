// Entry point of the console web app: mounts the root component.
import { mount } from 'svelte';
import App from './App.svelte';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('console: #app element missing from index.html');
mount(App, { target });
